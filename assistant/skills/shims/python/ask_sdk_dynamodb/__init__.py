"""Local stand-in for ask-sdk-dynamodb-persistence-adapter: attributes live in the assistant's sqlite store."""

__version__ = "1.19.0+assistant.local"
