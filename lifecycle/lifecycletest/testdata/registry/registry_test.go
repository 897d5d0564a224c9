package registry

type F struct{}

func (F) target() string { return "" }
