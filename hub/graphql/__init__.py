"""The hub's GraphQL API: types by domain, the root schema, the HTTP view."""
