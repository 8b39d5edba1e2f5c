"""The only Streamlit-aware glue: the shared page frame, cached model/capture access, export."""
