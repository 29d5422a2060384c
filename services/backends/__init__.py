"""Where the data comes from: the demo backend and the live one (Partner Center, Graph and Azure
Support through MSAL tokens), their clients and parsers, the desks' catalogue, and `make doctor`."""
