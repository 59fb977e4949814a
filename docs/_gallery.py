"""The order of the gallery's examples: the reader's path, not the alphabet."""

ORDER = [
    "plot_flights_neighbours.py",
    "plot_airport_map.py",
    "plot_frozen_vectors.py",
    "plot_glove_reviews.py",
    "plot_keras_reviews.py",
    "plot_grid_search_dims.py",
    "plot_save_load.py",
]


class ExampleOrder:
    """sphinx-gallery's ``within_subsection_order``: a sort key over file names."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        # An example not listed here goes last, in alphabetical order.
        return (ORDER.index(filename), "") if filename in ORDER else (len(ORDER), filename)
