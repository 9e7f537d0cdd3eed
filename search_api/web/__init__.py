"""The citizen search pages (`/zoeken`): server-rendered HTML that works without JavaScript,
enhanced by a small script with suggestions while typing."""
