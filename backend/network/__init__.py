"""The clinic's side of the Follicle network: opting in, the signed summary it publishes, the
outbox that delivers it to the registry, and the lot signals the registry sends back."""
