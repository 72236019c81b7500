"""Renderers turn a Plan (or an apply report, or drift) into text, JSON or Markdown. They never
see a secret value: changes carry secrets only as Secret objects inside payloads, which no
renderer reads."""
