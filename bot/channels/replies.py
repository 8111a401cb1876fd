"""What the channels answer, in Swedish, when they cannot give the bot's own answer: an empty
or too long message, the service unavailable, a failure. Pure Python, no Rasa import: the
REST, web chat and Teams channels use them, and so does nginx's configuration in the scaled
set-up (scripts/scaled.py), so a user reads the same words whichever part failed."""

EMPTY_REPLY = ("Skriv din fråga om SIP, så svarar jag. Du kan till exempel fråga ”vad är SIP?”, "
               "”vem ska jag kalla?” eller ”behövs samtycke från båda vårdnadshavarna?”.")
TRUNCATED_NOTE = ("Ditt meddelande var mycket långt ({length} tecken), så jag har bara läst de första "
                  "{limit} tecknen. Ställ gärna en fråga i taget.")
UNAVAILABLE_REPLY = ("Tjänsten är tillfälligt otillgänglig, så jag kan inte svara på din fråga just nu. "
                     "Försök igen om en liten stund. Det du redan har berättat, till exempel region och "
                     "uppgifter om ärendet, finns kvar.")
ERROR_REPLY = ("Förlåt, något gick fel hos mig när jag skulle svara. Försök igen om en stund, "
               "eller ställ frågan på ett annat sätt.")
NO_ANSWER_REPLY = ("Förlåt, jag har inget svar på det. Skriv din fråga om SIP, till exempel ”vad är SIP?” "
                   "eller ”vem ska jag kalla?”.")
TIMEOUT_REPLY = "Förlåt, det tog för lång tid att ta fram svaret. Försök igen om en stund."
# A REST request the channel cannot take at all (HTTP 400; nothing reaches Rasa or the store).
NOT_JSON_REPLY = ("Jag kunde inte läsa förfrågan. Skicka ett JSON-objekt med sender och message, till exempel "
                  "{\"sender\": \"ditt-samtals-id\", \"message\": \"vad är SIP?\"}.")
BAD_SENDER_REPLY = ("Jag kunde inte ta emot meddelandet: sender ska vara en text, ett samtals-id på högst "
                    "255 tecken utan styrtecken.")
