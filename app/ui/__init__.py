"""What the visualizer and the lesson share: templating, forms, language, one number formatter, MathML, colours, plot scales."""
