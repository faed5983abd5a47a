"""Auto-configuration: from an e-mail address to a tested SMTP set-up (its own package inside smtp/)."""
