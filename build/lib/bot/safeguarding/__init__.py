"""Recognising that a child is telling us they are not safe, independently of the classifier."""
