"""The report (`iku report`): the LKj's tables, charts and appendices as HTML, XLSX, PDF and
Markdown. Imported only by that command: its libraries (jinja2, openpyxl) stay out of every
other command's start-up.

`model` builds the one projection every writer renders; `charts` draws SVG; `html`, `xlsx`,
`markdown` and `pdf` write the formats."""
