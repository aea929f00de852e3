"""The languages the portal records for what people write and upload (requests, offers, plans,
contacts): the six UN languages, and Portuguese and Dutch, spoken by several Member States."""

LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es", "pt", "nl"]
