"""The signed-in viewer for this browser session."""

from __future__ import annotations

import streamlit as st

from dashboard.viewer import COORDINATOR, Viewer

VIEWER_KEY = "viewer"


def current_viewer() -> Viewer:
    # Until sign-in exists every visitor is a local coordinator; the sign-in issue replaces this.
    viewer = st.session_state.get(VIEWER_KEY)
    if not isinstance(viewer, Viewer):
        viewer = Viewer(login="local", role=COORDINATOR, display_name="Local coordinator")
        st.session_state[VIEWER_KEY] = viewer
    return viewer
