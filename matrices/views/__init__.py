"""Pages of the matrices app, by audience: `public` (published matrices), `workspace` (a State's
officials reporting), `review` (the Committee's experts). Each module lists its own URL patterns."""
