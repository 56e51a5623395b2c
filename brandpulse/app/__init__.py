"""The app's PostgreSQL (CONTRACTS.md section 5): its schema, extraction into `raw.*`,
and the write-back of forecasts and AI generation results."""
