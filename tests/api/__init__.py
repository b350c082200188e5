"""The real app in process (flaskr style): Flask's test client, writes rolled back."""
