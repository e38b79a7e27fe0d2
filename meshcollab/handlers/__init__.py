"""HTTP and websocket handlers of the meshcollab server extension."""
