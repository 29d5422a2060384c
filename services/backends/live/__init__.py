"""The live backend: Partner Center, Microsoft Graph and Azure Support over one shared aiohttp session."""
