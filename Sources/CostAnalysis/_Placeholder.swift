// Temporary file so the target builds while it is being written.
