"""Nothing here is registered on purpose: disputes and mediation records are casework, and the Django admin is
for the system and security administrators, who do not read casework (三员分立). A campaign's checklist is
edited on the campaign form."""
