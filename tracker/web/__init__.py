"""The web edge: views (one blueprint per area), sign-in, forms, security headers and CSRF, languages."""
