"""The environments view: each application across the environments Flux delivers, in
promotion order, with what blocks a promotion and what one would change (pure)."""
