"""The pages of disputes, mediation and 大排查 campaigns."""
