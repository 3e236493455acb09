"""Target side: DynamoDB endpoints and the managed DynamoDB Local."""
