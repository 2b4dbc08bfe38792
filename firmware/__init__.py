"""Siaran: SMS-blast appliance for Indonesian local government."""
