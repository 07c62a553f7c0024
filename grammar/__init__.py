"""The Lark grammar files of cableparse, shipped as package data."""
