"""The pure core: scenario model, conditions, play, analysis and debrief. No I/O here."""
