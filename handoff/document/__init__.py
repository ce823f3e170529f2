"""The handoff PDF: what the client's sponsor keeps when the consultancy leaves.

- `source.py`: what one generation reads from (the engagement, as seen through the one
  tenant-scoping layer, and the document row being made, if any).
- `sections/`: one module per section of the document, each gathering its own data in a
  bounded number of queries and giving the template its context and the embedded JSON its part.
- `render.py`: the HTML (the print preview shows the same), then the PDF: PDF/A-3b with the JSON
  attached, document metadata, the product's own fonts.
- `fetcher.py`: the one URL fetcher WeasyPrint may use; it denies everything but the product's
  own static files and uploaded media.
"""
