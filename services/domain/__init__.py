"""What the support desk is about, without I/O: the values (customers, health, incidents, requests),
the ports backends and stores provide, customer search, admin-center links and the domain errors."""
