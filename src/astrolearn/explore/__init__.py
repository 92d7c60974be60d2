"""Look at the data and validate honestly: clustering, embeddings, learning curves,
leakage checks and train-vs-inference coverage."""
