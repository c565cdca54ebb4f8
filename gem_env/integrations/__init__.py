"""Thin layers that plug gem-env sandboxes and tasks into other tools: an MCP server
(`mcp_server`), a `verifiers` environment (`verifiers_env`) and a TRL-style environment (`trl`)."""
