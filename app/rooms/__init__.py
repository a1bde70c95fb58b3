"""Classroom rooms: one teacher drives a session, every student's screen follows it live."""
