"""Geography: county tables, populations and county shapes for any US state, by state FIPS."""
