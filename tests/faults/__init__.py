"""Test support: a fault-injecting proxy for DynamoDB endpoints."""
