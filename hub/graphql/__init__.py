"""The hub's GraphQL API: types by domain, the root schema, the HTTP view.

Importing it checks that strawberry-graphql and graphql-core are at the versions whose internals
the layer relies on (:mod:`hub.graphql.versions`).
"""

from hub.graphql.versions import require_supported

require_supported()
