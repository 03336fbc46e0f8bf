"""APScheduler wiring: each team's prompt, reminder and digest jobs in a job store inside our own database."""
