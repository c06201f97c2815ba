"""Base for our NLU components that fit something at `rasa train` and keep it in the model."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, Dict, Generic, Optional, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

Fitted = TypeVar("Fitted")


class TrainedComponent(GraphComponent, Generic[Fitted]):
    """Subclasses say how to fit their model (`fit`), write it (`write`) and read it back
    (`read`); this class is Rasa's side: create, load, train, and training data passed on."""

    def __init__(
        self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource, fitted: Optional[Fitted] = None
    ) -> None:
        self._model_storage, self._resource, self.fitted = model_storage, resource, fitted

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, cls.read(directory))

    def train(self, training_data: TrainingData) -> Resource:
        self.fitted = self.fit(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            self.write(self.fitted, directory)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @abstractmethod
    def fit(self, training_data: TrainingData) -> Fitted: ...

    @staticmethod
    @abstractmethod
    def write(fitted: Fitted, directory: Path) -> None: ...

    @staticmethod
    @abstractmethod
    def read(directory: Path) -> Fitted: ...
