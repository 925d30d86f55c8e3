"""Enterprise parties as users (企业纾困360): their requests to the court and what it publishes."""
