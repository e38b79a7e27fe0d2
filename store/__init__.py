"""The embedded CS3 storage service: the CS3 gateway API over gRPC and data transfer over HTTP,
serving a local folder the way a Reva gateway serves its storage. See README.md for the layout
and the extension seam."""
