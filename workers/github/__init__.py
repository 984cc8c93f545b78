"""GitHub access for the workers: App authentication, a small synchronous REST/GraphQL client, PR reads."""
