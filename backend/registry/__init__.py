"""The Follicle network's registry: a second app that receives signed, disclosure-controlled summaries
from clinics that opted in and pools them (see README.md)."""
