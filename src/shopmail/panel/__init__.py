"""The admin panel: the shell (guard, CSRF, headers, errors), the layout's globals and one package per screen."""
