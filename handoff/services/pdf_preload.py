"""Imported once by the fork server that starts the PDF render children
(handoff.services.pdf_render): Django is set up and WeasyPrint loaded there, so each child
starts in milliseconds instead of the seconds those imports take."""


def _warm() -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    import pypdf  # noqa: F401
    import weasyprint  # noqa: F401

    import handoff.document.render  # noqa: F401


_warm()
