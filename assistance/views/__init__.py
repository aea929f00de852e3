"""Pages of the assistance app, by audience: `official` (a State asking for help), `provider`
(organisations claiming and delivering), `expert` (the Committee's experts: routing by hand,
turnaround dashboard), `public` (published requests and aggregate figures). Their URL patterns are
in `assistance.urls`; what they read is in `assistance.selectors`, their forms in `assistance.forms`."""
