"""The Streamlit dashboard. Modules here never import streamlit, except the app and its pages."""
