"""Local stand-in for ask-sdk-s3-persistence-adapter: attributes live in the assistant's sqlite store."""

__version__ = "1.0.0+assistant.local"
