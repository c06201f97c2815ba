"""What happens to a request after the child sends it: the teams are told, and the queue keeps time."""

# The age bands a request can carry (the age_band slot), as staff read them.
BAND_NAMES = {
    "up_to_11": "11 or under",
    "12_15": "12 to 15",
    "16_18": "16 to 18",
    "18_plus": "care leaver (18 to 25)",
    "over_25": "over 25",
}
