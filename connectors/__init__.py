"""Agency connectors: one package per agency, each with its tables, typed source, subgraph and data generator."""
