"""ETL: snapshot -> tidy -> harmonise -> validate -> publish into data/warehouse.duckdb."""
