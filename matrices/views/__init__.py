"""Pages of the matrices app, by audience: `public` (published matrices), `workspace` (a State's
officials reporting), `review` (the Committee's experts). Their URLs are in `matrices/urls.py`, their
forms in `matrices/forms.py`, what they read in `matrices/selectors.py`; no view module imports another."""
