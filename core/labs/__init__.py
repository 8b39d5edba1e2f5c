"""Lab computations built on the engine: attention statistics, positional scorecard and demos,
toy task, order, gradients, training dynamics, softmax, costs. Pure torch/numpy, no Streamlit."""
